/**
 * Wakes one waiting reader. A notification that arrives while nobody waits is remembered, so a
 * reader that checks for work, finds none and then waits cannot miss an append in between.
 */
export class WakeSignal {
  #pending = false
  #wake: (() => void) | undefined

  notify(): void {
    this.#pending = true
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** Forgets earlier notifications; call before checking for work. */
  reset(): void {
    this.#pending = false
  }

  /** Resolves on the next notification (or at once if one came since `reset`), or after `timeoutMs`. */
  async wait(timeoutMs?: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false
      return
    }
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#wake = resolve
      if (timeoutMs !== undefined) timer = setTimeout(resolve, Math.max(0, timeoutMs))
    })
    clearTimeout(timer)
    this.#wake = undefined
    this.#pending = false
  }
}
