/** The database cannot be used; the message names the file and is fit for one log line. */
export class DatabaseError extends Error {}
