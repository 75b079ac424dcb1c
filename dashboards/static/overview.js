// The overview: where the municipality stands, in the chosen language (#lang=en).
(function () {
  "use strict";
  const O = window.MALESTOKK_OVERVIEW;
  const lang = new URLSearchParams(location.hash.slice(1)).get("lang") === "en" ? "en" : O.lang;
  const w = O.words[lang];
  document.querySelectorAll("[data-o]").forEach((el) => { el.textContent = w[el.dataset.o]; });
  document.querySelectorAll("[data-t]").forEach((el) => {
    if (lang !== "en") return;
    const en = {synthetic: "SYNTHETIC DEMO DATA", overview: "Overview"};
    if (en[el.dataset.t]) el.textContent = en[el.dataset.t];
  });
  const plain = (text) => String(text === undefined || text === null ? "" : text)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const titled = (text) => ({text: text, x: 0, xanchor: "left", xref: "paper",
                             yref: "container", y: 1, yanchor: "top", pad: {t: 46}});
  const colour = (good) => good === true ? "#0072B2" : good === false ? "#D55E00" : "#9aa5b1";
  const symbol = (trend) => trend === null || trend === undefined || trend === 0 ? "circle" :
    trend > 0 ? "triangle-up" : "triangle-down";
  const dots = O.dots.map((d) => Object.assign({}, d, {x: Math.max(0, Math.min(250, d.index))}));
  Plotly.newPlot("overview-chart", [{
    type: "scatter", mode: "markers", x: dots.map((d) => d.x), y: dots.map((d) => d.area),
    text: dots.map((d) => plain(d.label)), hovertemplate: "%{text}: %{x:.0f}<extra></extra>",
    marker: {size: 13, color: dots.map((d) => colour(d.good)), symbol: dots.map((d) => symbol(d.trend)),
             line: {width: 1, color: "#333"}}}],
  {separators: lang === "en" ? ".," : ", ", title: titled(`${plain(w.index)} (${O.year}, ${plain(O.peer)})`), height: 120 + 45 *
     new Set(dots.map((d) => d.area)).size, margin: {l: 170, t: 100, b: 60},
   xaxis: {title: {text: "%"}, range: [0, 250], zeroline: false},
   yaxis: {automargin: true},
   shapes: [{type: "line", x0: 100, x1: 100, yref: "paper", y0: 0, y1: 1,
             line: {color: "#333", dash: "dot"}}]},
  {displaylogo: false, responsive: true});
  // a home without own figures has no such sections (site.py leaves them out)
  if (document.getElementById("sick-chart")) Plotly.newPlot("sick-chart", O.sick.map((s) => ({type: "scatter", mode: "lines+markers",
    name: plain(s.area), x: s.period, y: s.rate})),
  {showlegend: true, separators: lang === "en" ? ".," : ", ", title: titled(plain(w.sick)), height: 380, margin: {t: 100},
   xaxis: {title: {text: w.period}, type: "category"}, yaxis: {title: {text: w.rate}}},
  {displaylogo: false, responsive: true});
  const areas = [...new Set(O.surveys.map((r) => r.service_area))];
  if (document.getElementById("survey-chart")) Plotly.newPlot("survey-chart", areas.map((a) => {
    const rows = O.surveys.filter((r) => r.service_area === a);
    return {type: "bar", name: plain(a), x: rows.map((r) => String(r.year)),
            y: rows.map((r) => r.score), text: rows.map((r) => r.score), textposition: "outside"};
  }), {showlegend: true,  // every bar names its area, one area or many
       separators: lang === "en" ? ".," : ", ", title: titled(plain(w.survey)), height: 380, margin: {t: 100}, barmode: "group",
       xaxis: {title: {text: w.year}, type: "category"}, yaxis: {title: {text: w.score},
       range: [0, 6.5]}}, {displaylogo: false, responsive: true});
  document.body.dataset.ready = "1";
})();
