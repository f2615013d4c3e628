// Starts Swagger UI on /api/docs with the app's own OpenAPI document.
window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    withCredentials: true,
  });
});
