// /api/docs: Swagger UI (npm swagger-ui-dist, served from /static/vendor) on Kilowatt's
// OpenAPI document (api/routes/docs.py).
"use strict";

(function () {
  const holder = document.getElementById("swagger-ui");
  if (!holder || typeof window.SwaggerUIBundle === "undefined") return;
  window.SwaggerUIBundle({
    url: holder.dataset.openapi,
    domNode: holder,
    deepLinking: true,
    persistAuthorization: false,
    // no validator badge: it would ask an outside service about the document
    validatorUrl: null,
  });
})();
