/**
 * Lists that must name every member of a union type (record types, kinds): the list is written once, as data,
 * and a member the list leaves out fails the build instead of being silently unknown at run time.
 */

/**
 * `everyMember<Union>()([...])` returns the list as given (its literal type kept), and does not compile when a
 * member of `Union` is missing from it or when it holds something that is not a member.
 */
export const everyMember =
  <T extends string>() =>
  <const L extends readonly T[]>(
    list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L =>
    list;
