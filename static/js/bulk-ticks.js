// Tick-list screens (volunteers/bulk.py): search, select-all, per-group select-all, fill hours.
// The form works without this file; it only saves clicks.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.bulk-ticks");
  if (!form) return;
  form.querySelectorAll("[data-needs-script]").forEach((el) => { el.hidden = false; });
  const people = [...form.querySelectorAll("[data-person]")];
  const box = (li) => li.querySelector("input[name=ticked]");
  const visible = (li) => !li.hidden;
  const count = form.querySelector("[data-count]");
  const label = count ? count.textContent.replace(/^已勾选 \d+ \/ /, "") : "";
  const refresh = () => {
    if (count) count.textContent = `已勾选 ${people.filter((li) => box(li).checked).length} / ${label}`;
    form.querySelectorAll("[data-group]").forEach((group) => {
      const boxes = [...group.querySelectorAll("[data-person]")].filter(visible).map(box);
      const all = group.querySelector("[data-select-group]");
      if (all) all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
    });
  };
  const search = form.querySelector("[data-search]");
  if (search) {
    search.addEventListener("input", () => {
      const words = search.value.trim().split(/\s+/).filter(Boolean);
      people.forEach((li) => {
        const text = li.dataset.text || "";
        li.hidden = !words.every((w) => text.includes(w));
      });
      form.querySelectorAll("[data-group]").forEach((group) => {
        group.hidden = ![...group.querySelectorAll("[data-person]")].some(visible);
      });
      refresh();
    });
    // Enter in the search box ticks the only person found instead of submitting the form.
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const found = people.filter(visible);
      if (found.length === 1) { box(found[0]).checked = true; search.select(); refresh(); }
    });
  }
  const all = form.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", () => {
      people.filter(visible).forEach((li) => { box(li).checked = all.checked; });
      refresh();
    });
  }
  form.querySelectorAll("[data-select-group]").forEach((groupBox) => {
    groupBox.addEventListener("change", () => {
      const group = groupBox.closest("[data-group]");
      group.querySelectorAll("[data-person]").forEach((li) => {
        if (visible(li)) box(li).checked = groupBox.checked;
      });
      refresh();
    });
  });
  const fill = form.querySelector("[data-fill]");
  const fillAll = form.querySelector("[data-fill-all]");
  if (fill && fillAll) {
    fillAll.addEventListener("click", () => {
      people.filter((li) => box(li).checked).forEach((li) => {
        li.querySelector("[data-hours]").value = fill.value;
      });
    });
  }
  // Typing someone's hours ticks them.
  form.querySelectorAll("[data-hours]").forEach((input) => {
    input.addEventListener("input", () => {
      if (input.value.trim()) box(input.closest("[data-person]")).checked = true;
      refresh();
    });
  });
  people.forEach((li) => box(li).addEventListener("change", refresh));
  refresh();
});
