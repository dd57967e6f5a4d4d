/* Draw every Plotly figure on the page from its JSON data island.
 *
 * Markup: <div class="chart" data-figure="ID"></div> and
 * <script type="application/json" id="ID">{...figure...}</script> (Django's
 * json_script: data, not code, so a CSP with no inline script allows it).
 * A bar or point whose customdata holds a URL drills down to that URL.
 */
(function () {
  "use strict";
  var config = {
    responsive: true,
    displaylogo: false,
    // On a phone the toolbar would sit over the chart's title and take taps meant for the bars:
    // none there; elsewhere it shows only while the pointer is over the chart.
    displayModeBar: window.matchMedia("(max-width: 600px)").matches ? false : "hover",
    // No "Share chart…" either: it would upload the figure to Plotly Cloud (cpdash runs offline).
    modeBarButtonsToRemove: ["select2d", "lasso2d", "sendChartToCloud"],
    locale: document.documentElement.lang || "en"
  };

  // A map (a "geo" subplot) draws only the GeoJSON it is given, every base layer off; but
  // plotly.js fetches its world topojson from its CDN for any trace with a locationmode.
  // An empty world, handed over first, means nothing is fetched (targets/map_charts.py).
  var EMPTY_WORLD = {type: "Topology", objects: {}, arcs: []};
  function noWorldMap(layout) {
    var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    assets.topojson = assets.topojson || {};
    Object.keys(layout).forEach(function (key) {
      if (key.slice(0, 3) !== "geo") { return; }
      var geo = layout[key] || {};
      var name = (geo.scope || "world").replace(/ /g, "-") + "_" + (geo.resolution || 110) + "m";
      if (!assets.topojson[name]) { assets.topojson[name] = EMPTY_WORLD; }
    });
  }

  // A figure may say how it changes on a phone (targets/map_charts.py): "phone" holds, per
  // trace, then for the layout, the attributes that replace the wide screen's.
  function onPhone(figure) {
    var phone = figure.phone;
    if (!phone || !window.matchMedia("(max-width: 600px)").matches) { return; }
    (phone.data || []).forEach(function (attributes, i) {
      if (figure.data[i]) { Object.assign(figure.data[i], attributes); }
    });
    figure.layout = Object.assign(figure.layout || {}, phone.layout || {});
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    onPhone(figure);
    noWorldMap(figure.layout || {});
    window.Plotly.newPlot(el, figure.data, figure.layout || {}, config).then(function () {
      el.classList.add("chart-drawn");
    });
    el.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var url = point && point.customdata && (Array.isArray(point.customdata) ? point.customdata[0] : point.customdata);
      if (typeof url === "string" && url.charAt(0) === "/") { window.location.href = url; }
    });
  }

  // plotly.js's own toolbar in the page's language (targets/templatetags/plotly_locale.py).
  function registerLocale() {
    var source = document.getElementById("plotly-locale");
    if (!source) { return; }
    window.Plotly.register({moduleType: "locale", name: config.locale, dictionary: JSON.parse(source.textContent)});
  }

  function drawAll() {
    if (!window.Plotly) { return; }
    registerLocale();
    document.querySelectorAll(".chart[data-figure]").forEach(draw);
  }

  // Charts resize to the paper width when printed.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".chart-drawn").forEach(function (el) { window.Plotly.Plots.resize(el); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
