// fetch as the global scope has it (a page or a worker), with the headers as
// [name, value] pairs; rejects as fetch does (network failure, abort).
export function send(url, method, headers, body, signal) {
  return fetch(url, { method, headers, body: body ?? undefined, signal });
}
