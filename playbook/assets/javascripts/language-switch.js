// The language switcher leads to the twin of the page being read, loaded in full.
// Instant navigation swaps the page but keeps the header, so the switcher's links would still lead to the twin of the
// first page opened; each page's <head> names its twins (link rel="alternate"), and the head is swapped too, so the
// links are copied from there. A click on the switcher loads the twin as a whole new page: swapped in by instant
// navigation, the English page would sit in the Danish document (its lang, header labels and search language).
function twinOf(link) {
  var twin = document.querySelector('link[rel="alternate"][hreflang="' + link.getAttribute("hreflang") + '"]');
  return twin ? twin.href : link.href;
}

document$.subscribe(function () {
  document.querySelectorAll("a.md-select__link[hreflang]").forEach(function (link) {
    link.href = twinOf(link);
  });
});

document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;  // a new tab or window: the browser opens the (refreshed) href itself
  }
  event.preventDefault();
  event.stopImmediatePropagation();
  location.assign(twinOf(link));
}, true);  // capture: before instant navigation sees the click
