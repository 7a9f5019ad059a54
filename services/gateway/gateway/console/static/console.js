// The console's only script (the CSP allows no inline script): a form marked data-progress="<id>" shows its
// upload's progress in that <progress> element while htmx sends it. Pages work without it.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest ? event.target.closest("form[data-progress]") : null;
  if (!form || !event.detail.lengthComputable) { return; }
  var bar = document.getElementById(form.getAttribute("data-progress"));
  if (bar) { bar.value = Math.round(100 * event.detail.loaded / event.detail.total); }
});
