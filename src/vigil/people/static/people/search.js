// The search form is sent by htmx, which swaps the form and its results in place: move focus
// to the error summary when the answer has one, as GOV.UK Frontend does on a full page load.
document.addEventListener("htmx:afterSwap", function () {
  var summary = document.querySelector("#search-area .govuk-error-summary");
  if (summary) {
    summary.focus();
  }
});
