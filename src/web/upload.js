// Drag and drop onto the upload form: the dropped files become the file input's files.
(function () {
  var zone = document.getElementById("drop");
  var input = document.getElementById("files");
  var list = document.getElementById("chosen");
  if (!zone || !input) return;
  function show() {
    list.textContent = "";
    for (var i = 0; i < input.files.length; i++) {
      var li = document.createElement("li");
      li.textContent = input.files[i].name;
      list.appendChild(li);
    }
  }
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("over");
    input.files = e.dataTransfer.files;
    show();
  });
  input.addEventListener("change", show);
})();
