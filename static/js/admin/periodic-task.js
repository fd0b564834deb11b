/*
 * The admin's periodic task form (django-celery-beat): under the crontab field, what the chosen
 * schedule means in words; the separate read-only field that says it is hidden.
 */
(function () {
  "use strict";

  var inWords = document.currentScript.getAttribute("data-in-words");
  var data = document.getElementById("readable-crontabs");
  var select = document.getElementById("id_crontab");
  var help = document.querySelector(".field-crontab .help");
  var translationRow = document.querySelector(".field-crontab_translation");

  if (translationRow) {
    translationRow.style.display = "none";
  }
  if (!data || !select || !help) {
    return;
  }
  var readable = JSON.parse(data.textContent);
  var original = help.textContent;

  select.addEventListener("change", function () {
    help.textContent = original;
    help.appendChild(document.createElement("br"));
    help.appendChild(document.createTextNode(inWords + " " + (readable[select.value] || "")));
  });
})();
