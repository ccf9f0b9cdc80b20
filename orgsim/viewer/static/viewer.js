// The viewer's few behaviours: the date slider, opening and closing a manager's reports
// (fetched once with htmx), and bringing a focused post into view. No other script runs.
(function () {
  function setUp(root) {
    var slider = root.querySelector("#slider");
    if (slider && !slider.dataset.ready) {
      slider.dataset.ready = "1";
      var dates = slider.dataset.dates.split(",");
      var label = root.querySelector("#at-label");
      var at = root.querySelector("#at");
      slider.addEventListener("input", function () { label.value = dates[slider.value]; label.textContent = dates[slider.value]; });
      slider.addEventListener("change", function () {
        at.value = dates[slider.value];
        root.querySelector("#controls").requestSubmit();
      });
    }
    var branch = root.querySelector("#branch");
    if (branch && !branch.dataset.ready) {
      branch.dataset.ready = "1";
      branch.addEventListener("change", function () {
        // another branch opens at its own latest date, outside any change view
        root.querySelector("#at").value = "";
        var against = root.querySelector("#against");
        if (against) { against.value = ""; }
        root.querySelector("#controls").requestSubmit();
      });
    }
    var against = root.querySelector("#against");
    if (against && !against.dataset.ready) {
      against.dataset.ready = "1";
      against.addEventListener("change", function () { root.querySelector("#controls").requestSubmit(); });
    }
    var focused = root.querySelector(".focused");
    if (focused) { focused.scrollIntoView({block: "center"}); }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".toggle");
    if (!button) { return; }
    var li = button.closest("li");
    var list = li.querySelector(":scope > ul.children");
    var opening = list.hidden;
    list.hidden = !opening;
    li.classList.toggle("open", opening);
    button.textContent = opening ? "−" : "+";
    button.setAttribute("aria-expanded", opening ? "true" : "false");
    if (opening && !list.children.length) {
      htmx.ajax("GET", button.dataset.children, {target: list, swap: "innerHTML"});
    }
  });
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function () { setUp(document); });
})();
