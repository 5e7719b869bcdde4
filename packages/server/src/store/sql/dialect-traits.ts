/** What differs between the SQL back ends; everything else in sql/ is shared. */
export interface DialectTraits {
  name: 'sqlite' | 'postgres';
  /** Column type of auto-incremented ids. */
  serialType: 'integer' | 'bigserial';
  integerType: 'integer' | 'bigint';
  bytesType: 'blob' | 'bytea';
  /** Whether SELECT … FOR UPDATE exists (SQLite serialises writers instead). */
  rowLocks: boolean;
  isUniqueViolation(error: unknown): boolean;
}
