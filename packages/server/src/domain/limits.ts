/** Bounds on the item tree that several services share. */

/** Folder nesting beyond this is refused at creation and on moves; also bounds the ancestor walk. */
export const MAX_DEPTH = 100;
/** Most items one folder copy may create (one transaction). */
export const MAX_COPY_ITEMS = 100_000;
/** Largest page of a listing (folder items, trash, versions). */
export const MAX_PAGE = 1000;
/** Offsets beyond this are refused on the trash and version listings (as Box does); use markers. */
export const MAX_OFFSET = 10_000;
