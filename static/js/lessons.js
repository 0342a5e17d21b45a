/* Lessons saved for offline reading. On a course page ("Lire hors ligne" box): shows what saving
   weighs (/courses/<slug>/offline.json), stores the course page, its lessons and their files in
   the cache `lessons-<person>-<course>` (read by static/js/sw.js, deleted at sign-out by
   static/js/pwa.js), and takes them away again. On "Mes leçons hors ligne": lists the courses the
   person signed in on the phone saved. Each cache holds its offline.json with the date it was
   saved, so the caches are the only record. The texts come translated from the page (data-messages). */
(function () {
  "use strict";
  var box = document.querySelector("[data-lessons-box]");
  var list = document.querySelector("[data-saved-lessons]");
  var note = document.querySelector("[data-offline-note]");
  if (!(box || list || note) || !window.caches || !window.fetch || !("serviceWorker" in navigator)) { return; }
  var root = box || list;
  var messages = root ? JSON.parse(root.dataset.messages) : {};
  var status = root && root.querySelector("[data-lessons-status]");
  var lang = document.documentElement.lang;

  function when(iso) {
    var date = new Date(iso);
    try {
      // The phone's own clock and calendar, Latin digits (as static/js/offline.js does).
      return new Intl.DateTimeFormat(lang + "-MA", {dateStyle: "short", numberingSystem: "latn"}).format(date);
    } catch (error) {
      return date.toLocaleDateString();
    }
  }

  function fill(text, values) {
    return text.replace("{size}", values.size || "").replace("{when}", values.when || "");
  }

  // The offline.json stored with the lessons (what was saved, its size, when).
  function storedPack(cache) {
    return cache.keys().then(function (requests) {
      var pack = requests.filter(function (request) { return /\/offline\.json$/.test(new URL(request.url).pathname); })[0];
      return pack ? cache.match(pack).then(function (response) { return response.json(); }) : null;
    });
  }

  // Who is signed in on the phone, as static/js/pwa.js noted it: only their saved courses are read.
  function reader() {
    return caches.match("/offline/reader", {cacheName: "ecole-reader"})
      .then(function (noted) { return noted ? noted.text() : ""; });
  }

  // --- a saved course or lesson read without a network: say so, and since when --------------------

  if (note && !navigator.onLine) {
    reader().then(function (id) {
      var cacheName = "lessons-" + id + "-" + note.dataset.slug;
      return id && caches.has(cacheName).then(function (saved) { return saved && caches.open(cacheName).then(storedPack); });
    }).catch(function () { return null; }).then(function (saved) {
      note.textContent = saved && saved.saved_at ? note.dataset.textWhen.replace("%(when)s", when(saved.saved_at))
        : note.dataset.text;
      note.hidden = false;
    });
  }

  // --- the course page's box -------------------------------------------------------------------

  if (box) {
    var name = "lessons-" + box.dataset.user + "-" + box.dataset.slug;
    var saveButton = box.querySelector("[data-lessons-save]");
    var removeButton = box.querySelector("[data-lessons-remove]");
    var pack = null;

    var say = function (text) { status.textContent = text || ""; };

    var show = function () {
      return caches.has(name).then(function (saved) {
        removeButton.hidden = !saved;
        saveButton.hidden = saved;
        if (saved) {
          return caches.open(name).then(storedPack).then(function (stored) {
            say(stored ? fill(messages.saved, {size: stored.size, when: when(stored.saved_at)}) : "");
          });
        }
        saveButton.disabled = true;
        return fetch(box.dataset.pack, {credentials: "same-origin", headers: {Accept: "application/json"}})
          .then(function (response) {
            if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
            return response.json();
          }).then(function (found) {
            pack = found;
            saveButton.textContent = fill(messages.save, {size: found.size});
            saveButton.disabled = false;
          }).catch(function () { say(messages.no_network); });
      });
    };

    var save = function () {
      if (!pack) { return; }
      saveButton.disabled = true;
      say(messages.saving);
      // Everything is fetched before anything is stored: a half-saved course is never listed.
      Promise.all(pack.urls.map(function (url) {
        return fetch(url, {credentials: "same-origin"}).then(function (response) {
          // A sign-in page instead of a lesson (session over) must not be saved as the lesson.
          if (!response.ok || response.redirected) { throw new Error(url); }
          return [url, response];
        });
      })).then(function (responses) {
        var record = Object.assign({}, pack, {saved_at: new Date().toISOString()});
        return caches.open(name).then(function (cache) {
          return Promise.all(responses.map(function (pair) { return cache.put(pair[0], pair[1]); }).concat(
            cache.put(box.dataset.pack, new Response(JSON.stringify(record), {headers: {"Content-Type": "application/json"}}))));
        });
      }).then(function () {
        // "Mes leçons hors ligne" in the reader's language, for offline use (it holds nothing personal).
        return fetch(box.dataset.list, {credentials: "same-origin"}).then(function (page) {
          if (page.ok && !page.redirected) {
            return caches.open("ecole-offline").then(function (cache) { return cache.put(box.dataset.list, page); });
          }
        }).catch(function () {});
      }).then(show, function () {
        return caches.delete(name).then(function () {
          say(messages.failed);
          saveButton.disabled = false;
        });
      });
    };

    saveButton.addEventListener("click", save);
    removeButton.addEventListener("click", function () {
      caches.delete(name).then(show).then(function () { say(messages.removed); });
    });
    box.hidden = false;
    show();
  }

  // --- "Mes leçons hors ligne" -------------------------------------------------------------------

  if (list) {
    var items = list.querySelector("ul");

    var render = function () {
      return reader().then(function (id) {
        if (!id) { return []; }
        return caches.keys().then(function (names) {
          return Promise.all(names.filter(function (cacheName) { return cacheName.indexOf("lessons-" + id + "-") === 0; })
            .map(function (cacheName) {
              return caches.open(cacheName).then(storedPack).then(function (stored) {
                return {cache: cacheName, pack: stored || {title: cacheName, urls: [], size: "", saved_at: ""}};
              });
            }));
        });
      }).then(function (saved) {
        items.textContent = "";
        saved.forEach(function (entry) {
          var item = document.createElement("li");
          item.dataset.cache = entry.cache;
          var text = document.createElement("span");
          var link = document.createElement("a");
          link.href = entry.pack.urls[0] || "#";
          link.textContent = entry.pack.title;
          link.dir = "auto";
          var meta = document.createElement("span");
          meta.className = "meta";
          meta.textContent = fill(messages.item, {size: entry.pack.size, when: entry.pack.saved_at ? when(entry.pack.saved_at) : ""});
          text.append(link, meta);
          var button = document.createElement("button");
          button.type = "button";
          button.className = "secondary";
          button.textContent = messages.remove;
          button.addEventListener("click", function () {
            caches.delete(entry.cache).then(render).then(function () {
              status.textContent = messages.removed + (items.children.length ? "" : " " + messages.empty);
            });
          });
          item.append(text, button);
          items.appendChild(item);
        });
        status.textContent = saved.length ? "" : messages.empty;
      });
    };

    render();
  }
}());

