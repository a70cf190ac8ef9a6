/**
 * Rooms and presence for the realtime sessions: `join-room`, `set-presence`, `client-broadcast`
 * and `leave-room`, in memory like Instant's (presence is not data: it is gone on restart).
 */
import { isRecord } from '../data/is-record.js'
import { LocalInstantError } from '../errors.js'

/** The part of a session rooms need. */
interface Member {
  readonly id: string
  send(msg: Record<string, unknown>): void
}

export interface Rooms {
  handle(s: Member, user: { id: string } | null, msg: Record<string, unknown>): void
  /** The session closed: it leaves every room, and the peers are told. */
  leaveAll(s: Member): void
}

interface Presence {
  member: Member
  user: { id: string } | null
  data: unknown
}

/** Builds an empty set of rooms. */
export function createRooms(): Rooms {
  const rooms = new Map<string, Map<string, Presence>>()

  function refresh(roomId: string): void {
    const room = rooms.get(roomId)
    if (!room) return
    const data: Record<string, unknown> = {}
    for (const [sid, p] of room) data[sid] = { 'peer-id': sid, user: p.user, data: p.data }
    for (const p of room.values())
      p.member.send({ op: 'refresh-presence', 'room-id': roomId, data })
  }

  function leave(s: Member, roomId: string): void {
    const room = rooms.get(roomId)
    if (!room?.delete(s.id)) return
    if (room.size === 0) rooms.delete(roomId)
    else refresh(roomId)
  }

  return {
    handle(s, user, msg) {
      const roomId = msg['room-id']
      if (typeof roomId !== 'string' || roomId === '') {
        throw new LocalInstantError(400, 'param-missing', 'Missing parameter: room-id', {
          in: ['room-id'],
        })
      }
      const eventId = msg['client-event-id']
      const room = rooms.get(roomId)
      switch (msg['op']) {
        case 'join-room': {
          const joined = room ?? new Map<string, Presence>()
          rooms.set(roomId, joined)
          joined.set(s.id, { member: s, user, data: msg['data'] ?? {} })
          s.send({ op: 'join-room-ok', 'room-id': roomId, 'client-event-id': eventId })
          refresh(roomId)
          return
        }
        case 'leave-room':
          leave(s, roomId)
          s.send({ op: 'leave-room-ok', 'room-id': roomId, 'client-event-id': eventId })
          return
        case 'set-presence': {
          const me = room?.get(s.id)
          if (!me) throw notInRoom(roomId)
          me.data = isRecord(msg['data']) ? msg['data'] : {}
          s.send({ op: 'set-presence-ok', 'room-id': roomId, 'client-event-id': eventId })
          refresh(roomId)
          return
        }
        case 'client-broadcast': {
          if (!room?.has(s.id)) throw notInRoom(roomId)
          const out = {
            op: 'server-broadcast',
            'room-id': roomId,
            topic: msg['topic'],
            data: { 'peer-id': s.id, data: msg['data'] },
          }
          for (const [sid, p] of room) if (sid !== s.id) p.member.send(out)
          s.send({ op: 'client-broadcast-ok', 'room-id': roomId, 'client-event-id': eventId })
          return
        }
      }
    },
    leaveAll(s) {
      for (const roomId of [...rooms.keys()]) leave(s, roomId)
    },
  }
}

function notInRoom(roomId: string): LocalInstantError {
  return new LocalInstantError(
    400,
    'validation-failed',
    `You have not joined the room ${roomId}.`,
    {
      'room-id': roomId,
    },
  )
}
