// Recorded interviews. Everything works without this script: the transcript's times are
// plain links to the recording at that moment (#t=…), and the staff page has a refresh link.
(function () {
  "use strict";
  // A transcript time seeks the player of the same interview on the page, and plays.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var box = link.closest("[data-interview]");
    var player = box && box.querySelector("audio, video");
    if (!player) return;
    event.preventDefault();
    player.currentTime = Number(link.getAttribute("data-seek"));
    player.play().catch(function () {});
    player.focus();
  });
  // A form's recording over the limit is taken off before sending: the server would refuse
  // the whole request, and the typed text with it.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var file = input.files && input.files[0];
    var note = document.getElementById(input.id + "-size");
    if (file && file.size > Number(input.getAttribute("data-max-bytes"))) {
      input.value = "";
      if (note) note.textContent = input.getAttribute("data-too-large");
    } else if (note) {
      note.textContent = "";
    }
  });
  // Staff: the conversion's progress, read every few seconds; the page reloads when done.
  var bar = document.querySelector("progress[data-progress-url]");
  if (!bar) return;
  var text = document.getElementById("conversion-text");
  function look() {
    fetch(bar.getAttribute("data-progress-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.status === "ready" || state.status === "failed") {
          window.location.reload();
          return;
        }
        bar.value = state.progress;
        bar.textContent = state.progress + "%";
        if (text) text.textContent = text.textContent.replace(/\d+%/, state.progress + "%");
        window.setTimeout(look, 3000);
      })
      .catch(function () { window.setTimeout(look, 10000); });
  }
  window.setTimeout(look, 3000);
})();
