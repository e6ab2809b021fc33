/**
 * The `scenemarks.item_types` column: distinct NICEItemTypes separated by spaces, with a
 * leading and a trailing space (` Human Vehicle `), so that a search for one type is a plain
 * substring test for ` Type ` (see migration 0004). One place for the format, whoever writes it.
 */
export function encodeItemTypes(itemTypes: readonly string[]): string {
  return ` ${itemTypes.join(' ')} `;
}

/** The item types stored in the column, in their order. */
export function decodeItemTypes(column: string): string[] {
  return column.split(' ').filter((part) => part.length > 0);
}

/** The substring that marks `itemType` as present in the column. */
export function itemTypeNeedle(itemType: string): string {
  return ` ${itemType} `;
}
