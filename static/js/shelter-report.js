/* KyivGuide shelter reports: one tap on the shelter page or a nearest-shelter card.
 *
 * The pages are public and cacheable, so they carry no CSRF token: a report first asks its shelter's
 * report page (/shelters/<id>/report/, Accept: application/json) for one, which also sets the CSRF
 * cookie, then posts there. Offline, or when the server cannot be reached, the report is kept in
 * localStorage and sent when the browser is back online (the page says so both times).
 */
(function () {
  "use strict";

  var node = document.getElementById("report-config");
  if (!node) return;
  var config = JSON.parse(node.textContent);
  var QUEUE_KEY = "kyivguide.reports.queue";

  // gettext's plural rule of each language; config.plurals holds the forms in that order.
  function pluralIndex(n) {
    if (config.lang === "en") return n === 1 ? 0 : 1;
    if (n % 10 === 1 && n % 100 !== 11) return 0;
    if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20)) return 1;
    return 2;
  }

  function plural(name, n) {
    var forms = config.plurals[name];
    return forms[Math.min(pluralIndex(n), forms.length - 1)].replace("{n}", String(n));
  }

  // "Reported locked 5 minutes ago, not confirmed (2 reports)" of a nearest result's `reported`.
  function reportedText(reported) {
    var name = reported.kind === "locked" ? "reportedLocked" : "reportedClosed";
    return plural(name, reported.minutes_ago) + " (" + plural("reportCount", reported.count) + ")";
  }

  function reportUrl(shelterId) {
    return config.reportUrl.replace("/0/", "/" + shelterId + "/");
  }

  function readQueue() {
    try {
      return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]");
    } catch (error) {
      return [];
    }
  }

  function writeQueue(queue) {
    try {
      window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    } catch (error) {
      // storage full or disabled: the report is lost, as it would be without the queue
    }
  }

  function say(target, text) {
    if (!target) return;
    target.textContent = text || "";
    target.hidden = !text;
  }

  // The HTTP status of the report's answer; rejects when the server cannot be reached.
  function post(report) {
    var url = reportUrl(report.shelter);
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) return { status: response.status };
        return response.json().then(function (data) {
          var fields = ["kind=" + encodeURIComponent(report.kind)];
          if (report.comment) fields.push("comment=" + encodeURIComponent(report.comment));
          if (typeof report.lat === "number" && typeof report.lon === "number") {
            fields.push("lat=" + report.lat.toFixed(6), "lon=" + report.lon.toFixed(6));
          }
          return fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: {
              Accept: "application/json",
              "Content-Type": "application/x-www-form-urlencoded",
              "X-CSRFToken": data.csrf_token
            },
            body: fields.join("&")
          });
        });
      })
      .then(function (response) { return response.status; });
  }

  function queue(report, target) {
    var waiting = readQueue();
    waiting.push(report);
    writeQueue(waiting);
    say(target, config.strings.queued);
  }

  function send(report, target) {
    if (navigator.onLine === false) {
      queue(report, target);
      return;
    }
    say(target, config.strings.sending);
    post(report).then(function (status) {
      if (status === 201) say(target, config.strings.sent);
      else if (status === 429) say(target, config.strings.limited);
      else if (status >= 500) queue(report, target);
      else say(target, config.strings.failed);
    }, function () {
      queue(report, target);
    });
  }

  var flushing = false;
  // Sends the saved reports one by one; stops at the first that cannot reach the server.
  function flush() {
    if (flushing || navigator.onLine === false || !readQueue().length) return;
    flushing = true;
    var sent = 0;
    function next() {
      var waiting = readQueue();
      if (!waiting.length) return Promise.resolve();
      return post(waiting[0]).then(function (status) {
        if (status >= 500) throw new Error("HTTP " + status);
        if (status === 201) sent += 1;
        writeQueue(readQueue().slice(1));
        return next();
      });
    }
    next().catch(function () { return null; }).then(function () {
      flushing = false;
      if (sent) say(document.querySelector(".report-status"), config.strings.queuedSent);
    });
  }

  function kindButtons(shelterId, target, position) {
    var box = document.createElement("p");
    box.className = "report-kinds";
    Object.keys(config.kinds).forEach(function (kind) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary report-kind";
      button.value = kind;
      button.textContent = config.kinds[kind];
      button.addEventListener("click", function () {
        var report = { shelter: shelterId, kind: kind };
        if (position) {
          report.lat = position.lat;
          report.lon = position.lon;
        }
        send(report, target);
      });
      box.appendChild(button);
    });
    return box;
  }

  // A nearest-shelter card's "Report a problem": the kinds, sent with the position the list was made for.
  function cardReport(result, origin) {
    var details = document.createElement("details");
    details.className = "report-card";
    var summary = document.createElement("summary");
    summary.textContent = config.strings.report;
    details.appendChild(summary);
    var status = document.createElement("p");
    status.className = "report-card-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    details.appendChild(kindButtons(result.id, status, origin));
    details.appendChild(status);
    return details;
  }

  // The shelter page's buttons submit a GET form to the report page without JavaScript.
  var form = document.querySelector(".report-form");
  if (form) {
    var target = form.parentNode.querySelector(".report-status");
    var shelterId = parseInt(form.getAttribute("data-shelter-id"), 10);
    Array.prototype.forEach.call(form.querySelectorAll(".report-kind"), function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        send({ shelter: shelterId, kind: button.value }, target);
      });
    });
  }

  window.addEventListener("online", flush);
  flush();

  window.KyivReports = { reportedText: reportedText, cardReport: cardReport, flush: flush, pluralIndex: pluralIndex };
})();
