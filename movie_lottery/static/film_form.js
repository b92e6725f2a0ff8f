// Admin film form: pick a Kinopoisk result to fill the fields, then save.
(function () {
  "use strict";
  const form = document.getElementById("film-form");
  if (!form) return;
  function fill(film) {
    const values = {
      title: film.title, original_title: film.original_title, year: film.year, poster_url: film.poster_url,
      kinopoisk_id: film.kinopoisk_id, rating: film.rating, genres: (film.genres || []).join(", "), description: film.description,
    };
    Object.entries(values).forEach(([name, value]) => {
      const field = form.elements.namedItem(name);
      if (field) field.value = value === null || value === undefined ? "" : value;
    });
  }
  window.attachSuggestions(document.getElementById("kp-q"), document.getElementById("kp-results"),
    (query) => window.fetchJson("/api/search?q=" + encodeURIComponent(query)).then((body) => body.results),
    fill, document.getElementById("search-error"));
})();
