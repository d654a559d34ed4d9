// How long the event loop went without running a 10 ms timer: the measure of "heavy work stays
// off the event loop" in the host's tests.
export function watchEventLoop(): { longestGap(): number; stop(): number } {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  return {
    longestGap: () => longest,
    stop: () => {
      clearInterval(ticker);
      return longest;
    },
  };
}
