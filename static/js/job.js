// A job's page: follow its status and reload the page once it has finished (to show the result).
(function () {
  "use strict";
  var page = document.querySelector("[data-status-url]");
  if (!page || page.dataset.finished === "1") return;
  var bar = page.querySelector("progress");
  var label = page.querySelector(".job-bar");
  function poll() {
    fetch(page.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) return setTimeout(poll, 5000);
        if (status.finished || status.stale) return window.location.reload();
        if (bar && status.percent !== null) {
          bar.max = 100;
          bar.value = status.percent;
          bar.textContent = status.percent + "%";
        }
        if (label && status.total) {
          label.lastChild.textContent = " 进行中 " + status.done.toLocaleString() + "/" + status.total.toLocaleString();
        }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
