// Målestokk dashboards: one page per service area, data embedded by the site builder.
// State lives in the URL hash (#peer=asss&year=2024&indicator=...&release=...&lang=en) so a view
// can be shared, reopened, and opened by the browser tests.
(function () {
  "use strict";
  const D = window.MALESTOKK_DATA;
  // rows come columnar with repeated texts stored once (dashboards/data.py columnar)
  D.rows = D.table.data.map((values) => Object.fromEntries(D.table.columns.map((c, n) => {
    const v = values[n];
    return [c, D.table.texts[c] && v !== null ? D.table.texts[c][v] : v];
  })));
  const T = {
    no: {peer: "Sammenligning", year: "År", vintage: "Utgave", indicator: "Indikator",
         latest: "siste", home: "Hjem", gap: "Avvik", trend: "Endring 3 år", target: "Mål",
         source: "Kilde", rank: "Rangering", value: "Verdi", met: "nådd", "not met": "ikke nådd",
         "no data": "ingen data", good: "bra", bad: "dårlig", neutral: "nøytral",
         download: "Last ned", rankTitle: "Rangering blant sammenligningskommunene",
         trendTitle: "Over tid", overview: "Oversikt", synthetic: "SYNTETISKE DEMODATA",
         unrevised: "foreløpige tall", revised: "endelige tall", correction: "retting",
         pull: "henting", release: "utgave", missing: "mangler",
         sv_good: "bedre enn sammenligningen", sv_bad: "svakere enn sammenligningen",
         csvShown: "CSV (utvalg)", csvAll: "CSV (alt)",
         legendNote: "✓ blått: avviket peker i god retning etter katalogen; ✗ oransje: dårlig; " +
           "grått: nøytral. Bare nøkkeltall sammenlignes (tall per innbygger, andeler, " +
           "enhetskostnader). Gruppe- og landstall fra SSB og Kolada brukes slik kildene " +
           "publiserer dem; ASSS-tall og egne sett beregner Målestokk slik SSB beregner " +
           "gruppetall, fra alle medlemmene, også hjemkommunen (se peer_method i CSV). Avvik " +
           "for andeler står i prosentpoeng.", points: "prosentpoeng"},
    sv: {peer: "Jämförelse", year: "År", vintage: "Uttag", indicator: "Nyckeltal",
         latest: "senaste", home: "Hemkommun", gap: "Skillnad", trend: "Förändring 3 år",
         target: "Mål", source: "Källa", rank: "Rangordning", value: "Värde", met: "uppnått",
         "not met": "ej uppnått", "no data": "saknas", good: "bra", bad: "dåligt",
         neutral: "neutral", download: "Ladda ned",
         rankTitle: "Rangordning bland jämförelsekommunerna", trendTitle: "Över tid",
         overview: "Översikt", synthetic: "SYNTETISKA DEMODATA", unrevised: "preliminära",
         revised: "slutliga", correction: "rättelse", pull: "hämtning", release: "uttag",
         missing: "saknas", sv_good: "bättre än jämförelsen", sv_bad: "sämre än jämförelsen",
         csvShown: "CSV (urval)", csvAll: "CSV (allt)",
         legendNote: "✓ blått: skillnaden pekar åt rätt håll enligt katalogen; ✗ orange: fel " +
           "håll; grått: neutral. Bara nyckeltal jämförs (per invånare, andelar, " +
           "enhetskostnader). Grupp- och rikstal från Kolada används som Kolada publicerar " +
           "dem; egna jämförelsegrupper beräknas från alla medlemmar, även hemkommunen (se " +
           "peer_method i CSV). Skillnader för andelar anges i procentenheter.",
         points: "procentenheter"},
    en: {peer: "Peer set", year: "Year", vintage: "Release", indicator: "Indicator",
         latest: "latest", home: "Home", gap: "Gap", trend: "3-year change", target: "Target",
         source: "Source", rank: "Rank", value: "Value", met: "met", "not met": "not met",
         "no data": "no data", good: "good", bad: "bad", neutral: "neutral",
         download: "Download", rankTitle: "Ranked among the peers", trendTitle: "Over time",
         overview: "Overview", synthetic: "SYNTHETIC DEMO DATA",
         unrevised: "unrevised", revised: "revised", correction: "correction", pull: "pull",
         release: "release", missing: "missing",
         sv_good: "better than the peers", sv_bad: "weaker than the peers",
         points: "percentage points",
         csvShown: "CSV (shown)", csvAll: "CSV (all)",
         legendNote: "✓ blue: the gap points the good way by the catalog; ✗ orange: the bad " +
           "way; grey: neutral. Only key figures are compared (per inhabitant, shares, unit " +
           "costs). Group and national figures from SSB and Kolada are used as published; " +
           "ASSS and your own sets are computed as SSB computes group figures, from every " +
           "member, the home too (see peer_method in the CSV). Gaps of shares are in " +
           "percentage points."},
  };
  const state = Object.assign({lang: D.lang || "no"}, Object.fromEntries(
    new URLSearchParams(location.hash.slice(1))));
  const t = (k) => (T[state.lang] || T.no)[k] || k;
  const byId = (id) => document.getElementById(id);
  const fmt = (v, d = 1) => (v === null || v === undefined) ? "–" :
    Number(v).toLocaleString({en: "en-GB", sv: "sv-SE"}[state.lang] || "nb-NO",
      {maximumFractionDigits: d});
  // a difference keeps its decimals ("+1,0 prosentpoeng", not "+1"), as the report writes it
  const fixed = (v, d = 1) => (v === null || v === undefined) ? "–" :
    Number(v).toLocaleString({en: "en-GB", sv: "sv-SE"}[state.lang] || "nb-NO",
      {minimumFractionDigits: d, maximumFractionDigits: d});
  // kroner without decimals; shares and ratios with the source's one (dashboards/units.py)
  const decimalsFor = (unit) => {
    const u = (unit || "").trim().toLowerCase();
    const known = {"kr": 0, "1000 kr": 0, "personer": 0, "prosent": 1, "timer": 2};
    return u in known ? known[u] : u.startsWith("kr") ? 0 : 1;
  };

  const peerSets = [...new Set(D.rows.map((r) => r.peer_set))];
  const years = [...new Set(D.rows.map((r) => r.year))].sort();
  // releases: "latest" (today's figures) and each kept earlier release, as the comparison stood
  const releases = [...new Set(D.rows.map((r) => r.release))].sort((a, b) =>
    a === "latest" ? -1 : b === "latest" ? 1 : b.localeCompare(a));
  const releaseKind = Object.fromEntries(D.rows.map((r) => [r.release, r.release_kind]));
  // a peer set by its plain name too: #peer=nord_jaeren for custom:nord_jaeren, or its label
  const wanted = String(state.peer || "").toLowerCase();
  const byName = peerSets.find((p) => p.toLowerCase() === wanted ||
    p.toLowerCase() === "custom:" + wanted ||
    ((D.rows.find((r) => r.peer_set === p) || {}).peer_label || "").toLowerCase() === wanted);
  state.peer = byName || ((D.rows.find((r) => r.is_default_peer_set) || {}).peer_set ||
    peerSets[0]);
  state.year = years.includes(Number(state.year)) ? Number(state.year) : years[years.length - 1];
  state.indicator = D.indicators.some((i) => i.indicator_id === state.indicator) ?
    state.indicator : (D.indicators[0] || {}).indicator_id;
  state.release = releases.includes(state.release) ? state.release : "latest";

  // Every text from the data (KPI titles from Kolada, peer-set labels from the settings, unit
  // names) goes into the page as text nodes, never as HTML.
  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  // Plotly reads a few HTML tags in titles; labels from the data are escaped first.
  const plain = (text) => String(text === undefined || text === null ? "" : text)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

  function select(id, options, value, label) {
    const box = byId(id);
    box.replaceChildren(...options.map(([v, text]) => {
      const option = el("option", text, {value: String(v)});
      option.selected = String(v) === String(value);
      return option;
    }));
    box.setAttribute("aria-label", label);
    box.onchange = () => { state[id] = box.value; save(); draw(); };
  }

  function save() {
    const keep = {peer: state.peer, year: state.year, indicator: state.indicator,
                  release: state.release, lang: state.lang};
    history.replaceState(null, "", "#" + new URLSearchParams(keep).toString());
  }

  function rows() {
    // an earlier release shows what it had: indicators it did not publish are left out
    return D.rows.filter((r) => r.peer_set === state.peer && r.release === state.release &&
      (state.release === "latest" || r.home_value !== null || r.peer_value !== null));
  }

  function indicator(id) { return D.indicators.find((i) => i.indicator_id === id) || {}; }

  function caption(ind) { return plain(`${ind.unit || ""} · ${ind.attribution || ""}`); }

  // titles sit left, the plotly toolbar right: they never overlap (tested in the browser)
  const titled = (text) => ({text: text, x: 0, xanchor: "left", xref: "paper",
                             yref: "container", y: 1, yanchor: "top", pad: {t: 46},
                             font: {size: 15}});
  // a long title (Kolada's KPI titles) on lines that fit the chart, never cut at its edge
  const wrapped = (text, id) => {
    const chars = Math.max(28, Math.floor((byId(id).clientWidth || 600) / 9));
    const lines = [];
    String(text).split(" ").forEach((word) => {
      const last = lines[lines.length - 1];
      if (last !== undefined && (last + " " + word).length <= chars) {
        lines[lines.length - 1] = last + " " + word;
      } else {
        lines.push(word);
      }
    });
    return lines.join("<br>");
  };
  // colour-blind-safe colours, each with a symbol: home orange diamond, peers blue
  const HOME = "#D55E00", PEER = "#0072B2", OTHER = "#9aa5b1";

  function drawTrend() {
    const ind = indicator(state.indicator);
    const series = rows().filter((r) => r.indicator_id === state.indicator);
    const peerLabel = (series.find((r) => r.peer_label) || {}).peer_label || state.peer;
    const d = decimalsFor(ind.unit);
    Plotly.react("trend", [
      {x: series.map((r) => r.year), y: series.map((r) => r.home_value), name: plain(D.home.label),
       mode: "lines+markers+text", line: {width: 3, color: HOME},
       marker: {symbol: "diamond", size: 9}, text: series.map((r) => fmt(r.home_value, d)),
       textposition: "top center", cliponaxis: false},
      {x: series.map((r) => r.year), y: series.map((r) => r.peer_value), name: plain(peerLabel),
       mode: "lines+markers", line: {dash: "dot", color: PEER}, marker: {symbol: "circle"}},
    ], {separators: state.lang === "en" ? ".," : ", ", title: titled(`${wrapped(plain(ind.label), "trend")}<br><sub>${t("trendTitle")}</sub>`),
        height: 440, margin: {t: 130, b: 130}, yaxis: {title: {text: plain(ind.unit)}},
        xaxis: {title: {text: t("year")}, dtick: 1},
        legend: {orientation: "h", y: -0.2, yanchor: "top"},
        // the source on the chart's bottom edge, below the legend, never over it
        annotations: [{text: caption(ind), xref: "paper", yref: "container", x: 0, y: 0,
                       yanchor: "bottom", showarrow: false, font: {size: 11}}]},
    {displaylogo: false, responsive: true});
  }

  // the members' values are in one script per release, peer set and indicator, loaded when
  // that ranking is drawn
  const RANK = (window.MALESTOKK_RANK = window.MALESTOKK_RANK || {});
  const rankKey = () => `${state.release}|${state.peer}|${state.indicator}`;
  function rankingReady(then) {
    const key = rankKey();
    const file = D.rank_files[key];
    if (!file || RANK[key]) { then(); return; }
    const tag = document.createElement("script");
    tag.src = file;
    tag.onload = then;
    tag.onerror = then;
    document.head.append(tag);
  }

  function drawRank() {
    const ind = indicator(state.indicator);
    const members = (((RANK[rankKey()] || {})[String(state.year)] || []))
      .map(([label, value, home]) => ({region_label: label, value: value, is_home: home === 1}));
    const sorted = members.slice().sort((a, b) => (ind.higher_is_better === false ?
      a.value - b.value : b.value - a.value));
    const d = decimalsFor(ind.unit);
    const row = rows().find((r) => r.indicator_id === state.indicator && r.year === state.year);
    const peerValue = row ? row.peer_value : null;
    const shapes = peerValue === null || peerValue === undefined ? [] : [{type: "line",
      xref: "x", yref: "paper", x0: peerValue, x1: peerValue, y0: 0, y1: 1,
      line: {color: PEER, width: 2, dash: "dot"}}];
    const notes = [{text: caption(ind), xref: "paper", yref: "container", x: 0, y: 0,
                    yanchor: "bottom", showarrow: false, font: {size: 11}}];
    if (shapes.length) {
      notes.push({text: plain(`${row.peer_label}: ${fmt(peerValue, d)}`), x: peerValue, y: 1,
                  xref: "x", yref: "paper", yanchor: "bottom", showarrow: false,
                  font: {color: PEER, size: 11}});
    }
    Plotly.react("rank", [{type: "bar", orientation: "h",
      y: sorted.map((r) => plain((r.is_home ? "\u25c6 " : "") + r.region_label)),
      x: sorted.map((r) => r.value), text: sorted.map((r) => fmt(r.value, d)),
      textposition: "outside", cliponaxis: false,
      marker: {color: sorted.map((r) => r.is_home ? HOME : OTHER)}}],
    {separators: state.lang === "en" ? ".," : ", ", title: titled(`${t("rankTitle")} (${state.year})`),
     height: Math.max(320, 22 * sorted.length + 150), shapes: shapes,
     margin: {l: 190, t: 100, b: 95, r: 60}, yaxis: {autorange: "reversed", automargin: true},
     xaxis: {title: {text: plain(ind.unit)}}, annotations: notes},
    {displaylogo: false, responsive: true});
  }

  function drawTable() {
    const list = rows().filter((r) => r.year === state.year);
    const head = [t("indicator"), t("home"), t("peer"), t("gap"), t("trend"), t("rank"),
                  t("target"), t("vintage"), t("source")];
    const table = byId("table");
    const thead = el("thead");
    thead.append(el("tr"));
    thead.firstChild.append(...head.map((h) => el("th", h)));
    const tbody = el("tbody");
    list.forEach((r) => {
      const ind = indicator(r.indicator_id);
      const cls = r.gap_is_good === true ? "good" : r.gap_is_good === false ? "bad" : "neutral";
      const mark = {good: "\u2713 ", bad: "\u2717 ", neutral: ""}[cls];
      // a missing home value says why (not published yet, a merged or split municipality), in
      // the home's language (dashboards/words.py why_missing)
      const why = r.home_value === null && r.home_harmonisation ? ` (${r.home_harmonisation})` : "";
      const arrow = r.home_trend_3y === null ? "" : r.home_trend_3y > 0 ? "▲ " : r.home_trend_3y < 0 ? "▼ " : "";
      const tr = el("tr");
      const d = decimalsFor(ind.unit);
      // a gap of two percentages is in percentage points, any other in the figure's unit
      const share = ["prosent", "%"].includes((ind.unit || "").trim().toLowerCase());
      const gapUnit = share ? t("points") : ind.unit || "";
      const sign = r.gap_abs > 0 ? "+" : "";
      tr.dataset.indicator = r.indicator_id;
      tr.append(
        el("td", ind.label), el("td", fmt(r.home_value, d) + why),
        el("td", fmt(r.peer_value, d)),
        el("td", r.gap_abs === null ? "–" : `${mark}${sign}${fixed(r.gap_abs, d)} ${gapUnit}`,
           {class: cls, title: t(cls)}),
        el("td", arrow + fmt(r.home_trend_3y, d)),
        el("td", r.home_rank ? r.home_rank + "/" + r.n_ranked : "–"),
        el("td", r.target_status ? t(r.target_status) : "–"), el("td", r.vintage || "–"),
        el("td", ind.attribution || ""));
      tr.onclick = () => { state.indicator = tr.dataset.indicator; save(); draw(); };
      tbody.append(tr);
    });
    table.replaceChildren(thead, tbody);
  }

  function draw() {
    select("peer", peerSets.map((p) => [p, (D.rows.find((r) => r.peer_set === p) || {}).peer_label || p]),
           state.peer, t("peer"));
    select("year", years.map((y) => [y, y]), state.year, t("year"));
    // only releases that had a figure of this year for this peer set are offered: an earlier
    // release that covered none would draw empty charts
    const offered = releases.filter((r) => r === "latest" || D.rows.some((x) =>
      x.release === r && x.peer_set === state.peer && x.year === Number(state.year) &&
      (x.home_value !== null || x.peer_value !== null)));
    if (!offered.includes(state.release)) { state.release = "latest"; save(); }
    select("release", offered.map((r) => [r, r === "latest" ? t("latest") :
      `${r} (${t(releaseKind[r] || "release")})`]), state.release, t("vintage"));
    select("indicator", D.indicators.map((i) => [i.indicator_id, i.label]), state.indicator,
           t("indicator"));
    state.year = Number(state.year);
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    drawTrend();
    drawTable();
    document.body.dataset.ready = "0";
    rankingReady(() => { drawRank(); document.body.dataset.ready = "1"; });
  }

  window.malestokkDownloadCsv = function () {
    const list = rows().filter((r) => r.year === state.year);
    const cols = ["indicator_id", "year", "vintage", "peer_set", "home_value", "peer_value",
                  "gap_abs", "gap_is_good", "home_trend_3y", "home_rank", "target_status"];
    // a text that starts like a formula gets an apostrophe: Excel shows it, and runs nothing
    const text = (v) => /^[=+\-@\t\r]/.test(v) ? "'" + v : v;
    // the reader's locale: ";" and a decimal comma for Norwegian and Swedish, "," and a point
    // for English; every figure with its unit's decimals (kroner whole)
    const sep = state.lang === "en" ? "," : ";";
    const quotedSep = (v) => (new RegExp(`[${sep}"\n]`)).test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
    const cell = (v, d) => v === null || v === undefined ? "" : typeof v === "number" ?
      (Number.isInteger(v) && d === undefined ? String(v) :
        v.toFixed(d === undefined ? 2 : d).replace(".", sep === ";" ? "," : ".")) :
      quotedSep(text(String(v)));
    const figures = new Set(["home_value", "peer_value", "gap_abs", "home_trend_3y"]);
    const csv = [cols.join(sep)].concat(list.map((r) => {
      const d = decimalsFor(indicator(r.indicator_id).unit);
      return cols.map((c) => cell(r[c], figures.has(c) ? d : undefined)).join(sep);
    })).join("\n");
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob(["\ufeff" + csv], {type: "text/csv"}));
    a.download = `${D.slug}-${state.peer}-${state.year}.csv`;
    a.click();
  };
  draw();
})();
