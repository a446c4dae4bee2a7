// The export page's 全选 box (django-import-export's onSelectToggleChange), wired here because
// the site's Content-Security-Policy refuses the inline handler the library's template uses.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("select-all-toggle");
  if (toggle && typeof onSelectToggleChange === "function") {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
