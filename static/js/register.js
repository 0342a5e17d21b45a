/* The register saves without reloading the page when scripts run; without them it is a plain form.
   "Everyone present" fills the rows not yet marked, then each change is saved as it is made.
   Without network (static/js/offline.js, on trainers' pages) each change waits on the phone instead. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-register]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector("[data-status]");
  var counts = document.getElementById("register-counts");
  var timer = null;
  var changed = {};  // enrolment id → true: changed since the last save that reached the server

  function waitsOffline() { return !!(window.EcoleOffline && window.EcoleOffline.shouldQueue()); }

  // The current marks of the given people, for the offline outbox.
  function marksOf(enrolments) {
    return enrolments.map(function (enrolment) {
      var checked = form.querySelector('input[name="mark-' + enrolment + '"]:checked');
      return checked ? [enrolment, checked.value] : null;
    }).filter(Boolean);
  }

  function keepChanged() {
    var enrolments = Object.keys(changed);
    changed = {};
    if (enrolments.length) { window.EcoleOffline.queue(marksOf(enrolments)); }
  }

  function say(text, failed) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("error", !!failed);
  }

  function save() {
    var sent = changed;
    changed = {};
    var data = new FormData(form);
    data.set("action", "save");
    say(form.dataset.msgSaving || "…", false);
    return fetch(form.getAttribute("action"), {  // form.action would be the button named "action"
      method: "POST", body: data, credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok && body.ok, body: body}; });
    }).then(function (answer) {
      if (answer.ok) {
        say(answer.body.message, false);
        if (counts && answer.body.summary) { counts.textContent = answer.body.summary; }
      } else {
        say((answer.body.errors || []).join(" "), true);
      }
    }).catch(function () {
      if (window.EcoleOffline) {  // no answer: these marks wait on the phone
        Object.keys(sent).forEach(function (enrolment) { changed[enrolment] = true; });
        window.EcoleOffline.unreachable().then(keepChanged);
      } else {
        say(form.dataset.msgOffline, true);
      }
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 600);
  }

  form.addEventListener("change", function (event) {
    if (!event.target || event.target.type !== "radio") { return; }
    changed[event.target.name.replace("mark-", "")] = true;
    if (waitsOffline()) { keepChanged(); } else { later(); }
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    event.preventDefault();
    if (button && button.hasAttribute("data-all-present")) {
      form.querySelectorAll("fieldset.marks").forEach(function (group) {
        if (!group.querySelector("input[type=radio]:checked")) {
          var present = group.querySelector("input[value=present]");
          if (present) {
            present.checked = true;
            changed[present.name.replace("mark-", "")] = true;
          }
        }
      });
    }
    window.clearTimeout(timer);
    if (waitsOffline()) { keepChanged(); } else { save(); }
  });
}());
