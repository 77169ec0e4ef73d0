// Undo for multi-step changes (Incus' reverter): each step registers how to take itself
// back; on failure they run newest first, on success disarm() forgets them.

export class Reverter {
  private undos: { what: string; undo: () => Promise<unknown> }[] = [];

  add(what: string, undo: () => Promise<unknown>): void {
    this.undos.push({ what, undo });
  }

  disarm(): void {
    this.undos = [];
  }

  /** Runs every undo (newest first) and returns the ones that failed, described. */
  async revert(): Promise<string[]> {
    const failed: string[] = [];
    for (const { what, undo } of this.undos.reverse()) {
      try {
        await undo();
      } catch (e) {
        failed.push(`${what}: ${(e as Error).message}`);
      }
    }
    this.undos = [];
    return failed;
  }
}
