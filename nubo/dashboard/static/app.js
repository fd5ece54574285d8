// Nubo dashboard: the few behaviours htmx does not give. No framework, no build.
(function () {
  "use strict";

  function quote(v) {
    return /^[A-Za-z0-9_.,:\/@%+=-]+$/.test(v) ? v : "'" + v.replace(/'/g, "'\\''") + "'";
  }

  // the values of a form's field, by name (names of chosen options when they have one)
  function values(form, name) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) out.push(el.dataset.name || el.value);
        return;
      }
      if (el.tagName === "SELECT") {
        var opt = el.options[el.selectedIndex];
        if (opt && opt.value) out.push(opt.dataset.name || opt.value);
      } else if (el.value && el.type !== "password") {
        out.push(el.value);
      }
    });
    return out;
  }

  // `openstack ...` commands: {field} the value, {field?--flag} the flag when set,
  // {field*--flag} the flag once per value
  function fill(form) {
    form.querySelectorAll("[data-cli]").forEach(function (code) {
      var text = code.dataset.cli.replace(/\{(\w+)([?*])?([^}]*)\}/g, function (_, name, op, flag) {
        var vs = values(form, name);
        if (!op) return vs.length ? quote(vs[0]) : "<" + name + ">";
        if (!vs.length) return "";
        if (flag.indexOf("<") >= 0) return flag.trim();
        return vs.map(function (v) { return flag.trim() + " " + quote(v); }).join(" ");
      });
      code.textContent = text.replace(/\s+/g, " ").trim();
    });
  }

  function init(root) {
    root.querySelectorAll("form[data-cli-form]").forEach(function (form) {
      fill(form);
      form.addEventListener("input", function () { fill(form); });
      form.addEventListener("change", function () { fill(form); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]")) el.form.requestSubmit();
  });
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var code = btn.parentElement.querySelector("code");
    if (navigator.clipboard && code) {
      navigator.clipboard.writeText(code.textContent).then(function () {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy"; }, 1500);
      });
    }
  });
})();
