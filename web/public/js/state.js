// What the running app knows: the user, the vocabulary and the officer's area. Filled by app.js.
export const app = {
  me: null,        // GET /me
  meta: null,      // readMeta(GET /meta)
  map: null,       // GridMap
  cells: [],       // cell features of the officer's communities
  ownCodes: [],    // codes of the cells the officer leads
  ownIndex: null,  // PolygonIndex over the officer's own cells (offline point-in-polygon)
  allIndex: null,  // PolygonIndex over every loaded cell (to name a foreign cell)
  buildings: [],
  places: [],
  cases: [],       // the officer's cases (GET /records?mine=true), also drawn on the map
  assigned: [],    // cases dispatched to the officer (GET /records?assigned=me): "派给我的"
};

/** The officer's cell containing a WGS84 point: {own: feature|null, other: feature|null}. */
export function cellAt(lon, lat) {
  const own = app.ownIndex?.lookup(lon, lat) || null;
  return { own, other: own ? null : app.allIndex?.lookup(lon, lat) || null };
}
