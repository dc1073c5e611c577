/** Row messages shared by the row rules and the writer, which both reject rows for them. */
export const ROW_MESSAGES = {
  /** The reference's words for a row without a name (methods/phonebook.go). */
  nameRequired: 'name is empty',
  notFound: (id: string) => `contact ${id} not found`,
  /** mode=create_only: the row's contact is stored already. */
  existsLeftAlone: 'contact already exists, left alone (mode create_only)',
  /** mode=update_only: the row names no stored contact. */
  unmatchedNotCreated: 'no stored contact matches this row, nothing created (mode update_only)',
} as const;
