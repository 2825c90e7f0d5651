/** Tags as most AWS APIs take them (`[{Key, Value}]`), from the record `resourceTags()` returns. */
export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
