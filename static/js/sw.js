/* Ecole's service worker (served as /sw.js by ecole/main/offline_views.py, which puts `self.ECOLE`
   in front of this file): static files cache-first, the signed-in trainer's registers and
   "Mes séances" network-first with their stored copy as fallback, and an offline page instead of
   the browser's error page. Pages are stored only in a cache named after the trainer
   (`registers-<id>`), which static/js/offline.js creates and static/js/pwa.js deletes at sign-out:
   nothing personal is kept for whoever uses the phone next. Saved lessons (`lessons-<id>-<course>`,
   static/js/lessons.js) answer when the network fails (images: first), to the person pwa.js
   noted as signed in, never to another. */
/* global workbox */
importScripts(self.ECOLE.workbox);

var STATIC_CACHE = "ecole-static";
var OFFLINE_CACHE = "ecole-offline";
var PERSONAL_PREFIX = "registers-";
var PERSONAL_PAGE = /^\/meetings\/(mine|\d+\/register)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(Promise.all([
    caches.open(OFFLINE_CACHE).then(function (cache) { return cache.add(self.ECOLE.offlinePage); }),
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(self.ECOLE.precache); })
  ]).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());  // the first page can go offline without a reload
});

// A login page reached through a redirect (an expired session) must never replace a stored register.
var onlyTheRealPage = {
  cacheWillUpdate: function (param) {
    var response = param.response;
    return response && response.status === 200 && !response.redirected && response.type === "basic" ? response : null;
  }
};

function isStatic(url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0 &&
    (url.searchParams.has("v") || url.pathname.indexOf("/static/fonts/") === 0);
}
var staticFiles = new workbox.CacheFirst({
  cacheName: STATIC_CACHE,
  plugins: [onlyTheRealPage, new workbox.ExpirationPlugin({maxEntries: 80})]  // old ?v= versions go
});

function reader() {  // who pwa.js saw signed in last: only their saved pages are served
  return caches.match("/offline/reader", {cacheName: "ecole-reader"}).then(function (r) { return r && r.text(); });
}

function savedLesson(request) {
  return reader().then(function (who) {
    return who && caches.keys().then(function (names) {
      return names.filter(function (name) { return name.indexOf("lessons-" + who + "-") === 0; })
        .reduce(function (found, name) {
          return found.then(function (response) {
            return response || caches.match(request, {cacheName: name, ignoreVary: true});
          });
        }, Promise.resolve());
    });
  });
}

workbox.registerRoute(function (param) {
  return param.url.origin === self.location.origin && param.request.destination === "image";
}, function (param) {
  return savedLesson(param.request).then(function (saved) {
    return saved || (isStatic(param.url) ? staticFiles.handle(param) : fetch(param.request));
  });
});

workbox.registerRoute(function (param) { return isStatic(param.url); }, staticFiles);

var personalStrategies = {};

function personalCacheName() {
  return Promise.all([reader(), caches.keys()]).then(function (a) {
    return a[0] && a[1].indexOf(PERSONAL_PREFIX + a[0]) >= 0 ? PERSONAL_PREFIX + a[0] : null;
  });
}

workbox.registerRoute(function (param) {
  return param.url.origin === self.location.origin && PERSONAL_PAGE.test(param.url.pathname) &&
    !param.url.search;
}, function (param) {
  return personalCacheName().then(function (name) {
    if (!name) { return fetch(param.request); }  // nobody prepared this phone for offline use: store nothing
    if (!personalStrategies[name]) {
      // A slow bar of network still gets the page: after 8 s the stored copy is shown instead.
      personalStrategies[name] = new workbox.NetworkFirst({cacheName: name, networkTimeoutSeconds: 8,
                                                           plugins: [onlyTheRealPage]});
    }
    return personalStrategies[name].handle({event: param.event, request: param.request});
  });
});

workbox.registerRoute(new workbox.NavigationRoute(new workbox.NetworkOnly()));

workbox.setCatchHandler(function (param) {
  return savedLesson(param.request).then(function (saved) {
    if (saved) { return saved; }
    if (param.request.mode !== "navigate") { return Response.error(); }
    // A page stored for everyone ("Mes leçons hors ligne"), else the offline page.
    return caches.open(OFFLINE_CACHE).then(function (cache) {
      return cache.match(param.request, {ignoreVary: true}).then(function (page) {
        return page || cache.match(self.ECOLE.offlinePage);
      });
    }).then(function (page) { return page || Response.error(); });
  });
});
