// idb's promise wrapper of IndexedDB, exposed to the pages' classic scripts as `window.idb`.
export { openDB, deleteDB } from "idb";
