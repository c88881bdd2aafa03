import { FlowlineError } from '../../errors.ts'

/** Another live process (or another instance in this one) owns the log directory. */
export class LogLockedError extends FlowlineError {
  static readonly code = 'LOG_LOCKED'
  constructor(message: string) {
    super(LogLockedError.code, message)
  }
}

/** A record was published to, or a group subscribed to, a topic that `ensureTopics` never created. */
export class UnknownTopicError extends FlowlineError {
  static readonly code = 'UNKNOWN_TOPIC'
  constructor(topic: string) {
    super(UnknownTopicError.code, `Topic "${topic}" does not exist in the embedded log`)
  }
}

/**
 * A sealed segment failed its checksum. Only the tail of the active segment can be torn by a
 * crash, so damage anywhere else is a disk problem that must not be papered over by truncation.
 */
export class CorruptLogError extends FlowlineError {
  static readonly code = 'CORRUPT_LOG'
  constructor(message: string) {
    super(CorruptLogError.code, message)
  }
}
