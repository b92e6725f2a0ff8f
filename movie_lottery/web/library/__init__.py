"""The library on the site: the library page (pages), the JSON API with search (api), the admin's
film forms (admin) and badges (curation), /stats (stats), the input models (schemas)."""
