// The language switcher leads to the twin of the page being read. Instant navigation swaps the page but keeps the
// header, so the switcher's links would still lead to the twin of the first page opened; each page's <head> names
// its twins (link rel="alternate"), and the head is swapped too, so the links are copied from there.
document$.subscribe(function () {
  document.querySelectorAll("a.md-select__link[hreflang]").forEach(function (link) {
    var twin = document.querySelector('link[rel="alternate"][hreflang="' + link.getAttribute("hreflang") + '"]');
    if (twin) {
      link.href = twin.href;
    }
  });
});
