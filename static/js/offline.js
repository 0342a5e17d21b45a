/* A trainer's registers on the phone, for commune halls without network (loaded on staff pages).
   "Mes séances" stores the coming registers (IndexedDB `ecole`: registers, outbox, meta) and their
   pages (cache `registers-<trainer id>`, read by static/js/sw.js). On a register without network,
   each mark waits in the outbox with a client id; it is sent to the server as JSON with a fresh
   CSRF token when the network returns (`online`, page load, "Envoyer maintenant"), never as a
   replayed form. The texts come translated from base.html (data-messages). */
(function () {
  "use strict";
  var box = document.querySelector("[data-offline-box]");
  if (!box || !window.idb || !window.indexedDB || !window.fetch || !window.caches) { return; }
  var banner = box.querySelector("[data-offline-banner]");
  var sendButton = box.querySelector("[data-send-now]");
  var problemsBox = box.querySelector("[data-sync-problems]");
  var messages = JSON.parse(box.dataset.messages);
  var user = Number(box.dataset.user);
  var lang = document.documentElement.lang;
  var main = document.querySelector("main");
  var registersSource = document.querySelector("[data-offline-registers]");
  var form = document.querySelector("form[data-register]");
  var meeting = form ? Number(form.dataset.meeting) : null;
  var PERSONAL_PREFIX = "registers-";
  var STATIC_CACHE = "ecole-static";
  var DONE = ["stored", "duplicate", "superseded", "needs_review", "refused"];  // no use sending these again
  var unreachable = false;  // the last request failed although the phone says it is online
  var pendingCount = 0;
  var flushing = null;
  var lastNote = "";

  var database = idb.openDB("ecole", 1, {
    upgrade: function (db) {
      db.createObjectStore("registers", {keyPath: "id"});
      db.createObjectStore("outbox", {keyPath: "client_id"});
      db.createObjectStore("meta");
    },
    blocking: function () { database.then(function (db) { db.close(); }); }  // sign-out deletes the database
  });

  // --- words and times ---------------------------------------------------------------------------

  function counted(samples, count) {
    if (samples[count] !== undefined) { return samples[count]; }
    var rules;
    try { rules = new Intl.PluralRules(lang); } catch (error) { rules = {select: function () { return "other"; }}; }
    var category = rules.select(count);
    var sample = Object.keys(samples).filter(function (n) { return rules.select(Number(n)) === category; }).pop() || "100";
    return samples[sample].replace(sample, String(count));
  }

  function when(iso) {
    var date = new Date(iso);
    try {
      // The phone's own clock, which the trainer reads beside it (its time zone, Latin digits).
      return new Intl.DateTimeFormat(lang + "-MA", {dateStyle: "short", timeStyle: "short", hourCycle: "h23",
        numberingSystem: "latn"}).format(date);
    } catch (error) {
      return date.toLocaleString();
    }
  }

  function pad(number, width) { return String(number).padStart(width || 2, "0"); }

  // The phone's own clock with its offset (2026-12-04T09:41:07.120+01:00): the server sees when the
  // trainer marked, and which clock said so.
  function deviceTime(date) {
    var offset = -date.getTimezoneOffset();
    var sign = offset < 0 ? "-" : "+";
    offset = Math.abs(offset);
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + "." +
      pad(date.getMilliseconds(), 3) + sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return pad(b.toString(16)); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- what the page says ------------------------------------------------------------------------

  function offline() { return !navigator.onLine || unreachable; }

  function note(text) {
    lastNote = text || "";
    var status = form && form.querySelector("[data-status]");
    if (status) {
      status.textContent = lastNote;
      status.classList.remove("error");
    }
  }

  function refreshBanner() {
    return database.then(function (db) {
      return Promise.all([db.count("outbox"), db.get("meta", "refreshed_at")]);
    }).then(function (found) {
      pendingCount = found[0];
      var refreshed = found[1];
      var lines = [];
      if (offline()) {
        lines.push(pendingCount ? counted(messages.offline_pending, pendingCount) : messages.offline);
      } else if (pendingCount) {
        lines.push(counted(messages.pending, pendingCount));
      }
      if (lines.length || (registersSource && refreshed)) {
        lines.push(refreshed ? messages.refreshed.replace("{when}", when(refreshed)) : messages.never_refreshed);
      }
      banner.textContent = lines.join(" ");
      sendButton.hidden = !pendingCount;
      box.classList.toggle("is-offline", offline());
      box.hidden = !lines.length && problemsBox.hidden;
    });
  }

  function showProblems(texts) {
    if (!texts.length) { return; }
    var list = problemsBox.querySelector("ul");
    texts.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    problemsBox.hidden = false;
    box.hidden = false;
  }

  // --- the outbox --------------------------------------------------------------------------------

  // marks: [[enrolment id, status], …] of this page's meeting. A newer mark replaces the one still
  // waiting for the same person, so the count is the number of people whose mark waits.
  function queue(marks) {
    return database.then(function (db) {
      return db.get("meta", "trainer").then(function (trainer) {
        var tx = db.transaction("outbox", "readwrite");
        return tx.store.getAll().then(function (waiting) {
          marks.forEach(function (mark) {
            var enrolment = Number(mark[0]);
            waiting.forEach(function (old) {
              if (old.meeting === meeting && old.enrolment === enrolment) { tx.store.delete(old.client_id); }
            });
            tx.store.put({client_id: uuid(), meeting: meeting, enrolment: enrolment, status: mark[1],
                          marked_at: deviceTime(new Date()), trainer: trainer || user});
          });
          return tx.done;
        });
      });
    }).then(function () {
      note(messages.queued);
      return refreshBanner();
    }).then(function () {
      if (!offline()) { return flush(); }
    });
  }

  // The marks waiting for this meeting, put back on the radios (the stored page is older than them).
  function applyOutbox() {
    if (!form) { return Promise.resolve(); }
    return database.then(function (db) { return db.getAll("outbox"); }).then(function (marks) {
      marks.filter(function (mark) { return mark.meeting === meeting; })
        .sort(function (a, b) { return a.marked_at < b.marked_at ? -1 : 1; })
        .forEach(function (mark) {
          var input = form.querySelector('input[name="mark-' + mark.enrolment + '"][value="' + mark.status + '"]');
          if (input) { input.checked = true; }
        });
    });
  }

  function answer(response) {
    if (response.redirected || response.status === 401 || response.status === 403) {
      throw {signedOut: true};
    }
    if (!response.ok) { throw {status: response.status}; }
    return response.json();
  }

  function flush() {
    if (flushing) { return flushing; }
    flushing = database.then(function (db) { return db.getAll("outbox"); }).then(function (marks) {
      if (!marks.length) { return; }
      note(messages.sending);
      var token = {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}};
      return fetch(box.dataset.csrfUrl, token).then(answer).then(function (body) {
        return fetch(box.dataset.syncUrl, {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": body.token},
          body: JSON.stringify({marks: marks.map(function (mark) {
            return {client_id: mark.client_id, meeting: mark.meeting, enrolment: mark.enrolment, status: mark.status,
                    marked_at: mark.marked_at};
          })})
        });
      }).then(answer).then(function (body) {
        unreachable = false;
        var problems = [];
        return database.then(function (db) {
          var tx = db.transaction("outbox", "readwrite");
          (body.results || []).forEach(function (result) {
            if (DONE.indexOf(result.outcome) >= 0) { tx.store.delete(result.client_id); }
            if ((result.outcome === "refused" || result.outcome === "needs_review") && result.message) {
              problems.push(result.message);
            }
          });
          return tx.done;
        }).then(function () {
          showProblems(problems);
          note(messages.sent);
        });
      });
    }).catch(function (error) {
      if (error && error.signedOut) {
        note(messages.signed_out);
      } else {
        if (!(error && error.status)) { unreachable = true; }  // no answer at all: the network is gone
        note(messages.send_failed);
      }
    }).then(function () {
      flushing = null;
      return refreshBanner();
    });
    return flushing;
  }

  // --- keeping the coming registers on the phone -------------------------------------------------

  function personalCaches() {
    return caches.keys().then(function (names) {
      return names.filter(function (name) { return name.indexOf(PERSONAL_PREFIX) === 0; });
    });
  }

  // Another person's data never stays beside this person's: pages, registers and waiting marks go.
  function forgetOthers(trainer) {
    return database.then(function (db) {
      return db.get("meta", "trainer").then(function (stored) {
        if (stored === undefined || stored === trainer) { return; }
        var tx = db.transaction(["registers", "outbox", "meta"], "readwrite");
        tx.objectStore("registers").clear();
        tx.objectStore("outbox").clear();
        tx.objectStore("meta").clear();
        return tx.done;
      });
    }).then(personalCaches).then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== PERSONAL_PREFIX + trainer; })
        .map(function (name) { return caches.delete(name); }));
    });
  }

  // The scripts and style sheets a stored page needs, so that it also works offline.
  function keepAssets(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var urls = Array.prototype.map.call(page.querySelectorAll("script[src], link[rel=stylesheet][href]"),
      function (element) { return element.getAttribute("src") || element.getAttribute("href"); })
      .filter(function (url) { return url.indexOf("/static/") === 0; });
    return caches.open(STATIC_CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return cache.match(url).then(function (found) { return found || cache.add(url); });
      }));
    });
  }

  function keepPages(data) {
    var own = location.pathname;
    var urls = [own].concat(data.meetings.map(function (item) { return new URL(item.register_url, location.href).pathname; }));
    return caches.open(PERSONAL_PREFIX + data.trainer).then(function (cache) {
      // One page after the other: a weak network is not asked for everything at once.
      return urls.reduce(function (chain, url) {
        return chain.then(function () {
          return fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
            if (!response.ok || response.redirected) { return; }
            return response.clone().text().then(keepAssets).then(function () { return cache.put(url, response); });
          }).catch(function () {});
        });
      }, Promise.resolve()).then(function () {
        return cache.keys();
      }).then(function (requests) {  // registers no longer in the coming days
        return Promise.all(requests.filter(function (request) { return urls.indexOf(new URL(request.url).pathname) < 0; })
          .map(function (request) { return cache.delete(request); }));
      });
    });
  }

  function refreshRegisters() {
    return fetch(registersSource.dataset.offlineRegisters,
                 {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(answer).then(function (data) {
        return forgetOthers(data.trainer).then(function () {
          return database.then(function (db) {
            var tx = db.transaction(["registers", "meta"], "readwrite");
            var registers = tx.objectStore("registers");
            registers.clear();
            data.meetings.forEach(function (item) { registers.put(item); });
            tx.objectStore("meta").put(data.trainer, "trainer");
            tx.objectStore("meta").put(data.generated_at || new Date().toISOString(), "refreshed_at");
            return tx.done;
          });
        }).then(function () { return keepPages(data); });
      });
  }

  function controlled() {
    if (!("serviceWorker" in navigator)) { return Promise.reject(new Error("no service worker")); }
    if (navigator.serviceWorker.controller) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      navigator.serviceWorker.addEventListener("controllerchange", resolve, {once: true});
    });
  }

  // --- wiring ------------------------------------------------------------------------------------

  window.EcoleOffline = {
    shouldQueue: function () { return offline() || pendingCount > 0; },
    queue: queue,
    unreachable: function () { unreachable = true; return refreshBanner(); },
    flush: flush,
    beforeSignOut: function () { return navigator.onLine ? flush() : Promise.resolve(); }
  };

  sendButton.addEventListener("click", function () { unreachable = false; flush(); });
  window.addEventListener("online", function () { unreachable = false; flush(); });
  window.addEventListener("offline", refreshBanner);

  database.then(function (db) {
    // A page made for someone else than the stored trainer (a shared phone): forget the other person.
    return db.get("meta", "trainer").then(function (stored) {
      if (stored !== undefined && stored !== user) { return forgetOthers(user); }
    });
  }).then(applyOutbox).then(refreshBanner).then(function () {
    return navigator.onLine ? flush() : null;
  }).then(function () {
    if (!registersSource || offline()) { return; }
    return refreshRegisters().then(controlled).then(function () {
      main.dataset.offlineReady = "true";
      return refreshBanner();
    });
  }).catch(function () {
    if (registersSource) { main.dataset.offlineReady = "failed"; }
    return refreshBanner();
  });
}());
