// The parts of Workbox the service worker uses, bundled into one file (no CDN loader, no precaching module).
export { registerRoute, setCatchHandler, NavigationRoute } from "workbox-routing";
export { CacheFirst, NetworkFirst, NetworkOnly } from "workbox-strategies";
export { ExpirationPlugin } from "workbox-expiration";
