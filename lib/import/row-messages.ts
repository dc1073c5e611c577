/** Row messages shared by the row rules and the writer, which both reject rows for them. */
export const ROW_MESSAGES = {
  /** The reference's words for a row without a name (methods/phonebook.go). */
  nameRequired: 'name is empty',
  notFound: (id: string) => `contact ${id} not found`,
} as const;
