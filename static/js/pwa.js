/* On every page: registers the service worker (static/js/sw.js), keeps the stored offline page in
   the page's language, notes who is signed in (for saved lessons), and at sign-out forgets this
   person's offline data (stored pages and lessons, the `ecole` IndexedDB database) before the
   sign-out form goes on. */
(function () {
  "use strict";
  var OFFLINE_CACHE = "ecole-offline";
  var PERSONAL = /^(registers-|lessons-|ecole-reader$)/;
  var script = document.currentScript;

  function forget() {
    var work = [];
    if (window.caches) {
      work.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) { return PERSONAL.test(name); })
          .map(function (name) { return caches.delete(name); }));
      }));
    }
    if (window.indexedDB) {
      work.push(new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase("ecole");  // static/js/offline.js closes its connection
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      }));
    }
    return Promise.all(work);
  }

  window.EcolePWA = {forget: forget};

  // "" for a visitor; absent on pages stored for everyone. Another person's saved lessons go.
  var reader = script && script.dataset.reader;
  if (reader !== undefined && window.caches) {
    caches.open("ecole-reader").then(function (cache) { return cache.put("/offline/reader", new Response(reader)); })
      .then(function () { return reader && caches.keys(); }).then(function (names) {
        return Promise.all((names || []).filter(function (name) {
          return /^lessons-/.test(name) && name.indexOf("lessons-" + reader + "-");
        }).map(function (name) { return caches.delete(name); }));
      }).catch(function () {});
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-logout") || form.dataset.forgotten) { return; }
    event.preventDefault();
    // Marks not sent yet go first when the network allows it (offline.js), then everything is forgotten.
    var before = window.EcoleOffline ? window.EcoleOffline.beforeSignOut() : Promise.resolve();
    var capped = new Promise(function (resolve) { window.setTimeout(resolve, 4000); });
    Promise.race([before, capped]).then(forget, forget).then(function () {
      form.dataset.forgotten = "1";
      form.submit();
    });
  });

  if (!("serviceWorker" in navigator) || !script) { return; }
  navigator.serviceWorker.register(script.dataset.worker || "/sw.js", {scope: "/"}).catch(function () {});

  // The offline page was stored in the language of the page that installed the worker: store it
  // again when this page speaks another language.
  var lang = document.documentElement.lang;
  if (window.caches && navigator.onLine) {
    navigator.serviceWorker.ready.then(function () {
      return caches.open(OFFLINE_CACHE).then(function (cache) {
        var url = script.dataset.offlinePage || "/offline";
        return cache.match(url).then(function (stored) {
          if (stored && stored.headers.get("Content-Language") === lang) { return; }
          return fetch(url + "?lang=" + encodeURIComponent(lang), {credentials: "same-origin"}).then(function (page) {
            if (page.ok) { return cache.put(url, page); }
          });
        });
      });
    }).catch(function () {});
  }
}());
