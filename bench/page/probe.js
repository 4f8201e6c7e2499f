// The fetch probe: when the first pull request of a sync leaves (the push
// workload's window ends there).

// Every implementation goes through window.fetch (gloo-net calls it too). The probe
// only notes when the first pull request of a sync leaves, which is when the
// engine's push phase has ended.
const realFetch = window.fetch.bind(window);
let onPullRequest = null;
window.fetch = function (input, init) {
  if (onPullRequest) {
    const url = typeof input === 'string' ? input : input.url;
    if (url.includes('/sync/pull')) {
      const f = onPullRequest;
      onPullRequest = null;
      f(performance.now());
    }
  }
  return realFetch(input, init);
};

// `f(time)` is called once, when the next pull request leaves; `null` cancels.
export function onNextPull(f) {
  onPullRequest = f;
}
