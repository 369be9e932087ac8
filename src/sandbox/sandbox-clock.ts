import { Injectable } from '@nestjs/common';

/**
 * The sandbox's notion of "TikTok now". Tests override the provider, or shift it at run time through
 * the control API to reach expiries and timestamp-window edges without waiting.
 */
@Injectable()
export class SandboxClock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  setOffsetSeconds(seconds: number): void {
    this.offsetMs = seconds * 1000;
  }
}
