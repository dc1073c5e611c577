import { BadRequestError } from './errors.js';

const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;

/** Usernames are path segments and key prefixes: they keep to a safe alphabet. */
export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username);
}

/** Returns the username, or throws BadRequestError saying which characters are allowed. */
export function validateUsername(username: string): string {
  if (!isValidUsername(username)) {
    throw new BadRequestError('invalid username', 'use 1 to 128 letters, digits or . _ @ + -');
  }
  return username;
}
