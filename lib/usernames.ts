// Apart from lib/users.ts, which reads a user's import options (and so the file decoders):
// every function's route guard checks usernames, and none should bundle iconv-lite for a regex.

const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;

/** Usernames are path segments and key prefixes: they keep to a safe alphabet. */
export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username);
}
