// SPDX-License-Identifier: MIT

/** Turns chunks of text, cut anywhere, into whole lines (without `\n` or `\r\n`). */
export interface LineSplitter {
  push(chunk: string): void;
  /** Emits what is left after the last newline, if anything. */
  end(): void;
}

export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  let rest = '';
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  return {
    push(chunk) {
      rest += chunk;
      let newline = rest.indexOf('\n');
      while (newline >= 0) {
        emit(rest.slice(0, newline));
        rest = rest.slice(newline + 1);
        newline = rest.indexOf('\n');
      }
    },
    end() {
      if (rest !== '') emit(rest);
      rest = '';
    },
  };
}
