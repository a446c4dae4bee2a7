/* The social-work stations map (/stations/map/).
 *
 * Everything comes from this site: Leaflet from static/vendor/leaflet/, the station data from the
 * page's json_script (#stations-data), and the outline of the subdistrict and its communities from
 * a GeoJSON file in the app's static folder. There is no tile layer: the portal may run on a
 * closed government network, so the "base map" is that outline on a plain background. The
 * outline is a sketch made for the demo (rough polygons around the demo stations), not surveyed
 * boundaries; replace orgs/static/orgs/jinhai-outline.geojson with real ones where they exist.
 */
(function () {
  "use strict";

  var container = document.getElementById("stations-map");
  var source = document.getElementById("stations-data");
  if (!container || !source || typeof L === "undefined") {
    return; // the fallback text and the list below the map stay as they are
  }
  var data = JSON.parse(source.textContent);
  var colours = {};
  var labels = {};
  data.levels.forEach(function (level) {
    colours[level.value] = level.colour;
    labels[level.value] = level.label;
  });
  // The comprehensive station is the hub of the network: drawn largest.
  var radius = { "1": 11, N: 8, X: 7 };

  container.innerHTML = "";
  container.classList.add("is-live");
  var map = L.map(container, { zoomSnap: 0.25, scrollWheelZoom: false });
  // Plain text instead of Leaflet's default link to its website.
  map.attributionControl.setPrefix("Leaflet");

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) {
      node.className = className;
    }
    return node;
  }

  function popup(station) {
    // Built from DOM nodes, not HTML strings: names come from staff input.
    var box = document.createElement("div");
    box.appendChild(text("strong", station.name));
    box.appendChild(text("div", labels[station.level] + "社工站" +
      (station.community ? " · " + station.community : ""), "map-popup-meta"));
    if (station.address) {
      box.appendChild(text("div", station.address));
    }
    if (station.hours) {
      box.appendChild(text("div", "开放时间:" + station.hours));
    }
    var link = text("a", "详细信息");
    link.href = station.url;
    box.appendChild(link);
    return box;
  }

  var markers = L.featureGroup();
  data.stations.forEach(function (station) {
    L.circleMarker([station.lat, station.lon], {
      radius: radius[station.level] || 7,
      color: "#ffffff",
      weight: 2,
      fillColor: colours[station.level] || "#59636e",
      fillOpacity: 0.9
    })
      .bindPopup(popup(station))
      .bindTooltip(text("span", station.name))
      .addTo(markers);
  });
  markers.addTo(map);
  // Not animated: a zoom animation still running would end on its own target and undo the
  // fit to the outline that follows.
  if (markers.getLayers().length) {
    map.fitBounds(markers.getBounds(), { padding: [32, 32], maxZoom: 16, animate: false });
  } else {
    map.setView([30.925, 121.51], 14); // Jinhai, until the outline arrives
  }

  function drawOutline(geojson) {
    var outline = L.geoJSON(geojson, {
      style: function (feature) {
        var whole = feature.properties && feature.properties.kind === "subdistrict";
        return {
          color: whole ? "#8c1d17" : "#8c959f",
          weight: whole ? 2.5 : 1,
          dashArray: whole ? null : "4 4",
          fillColor: whole ? "#fff4f2" : "#ffffff",
          fillOpacity: whole ? 0.6 : 0
        };
      },
      onEachFeature: function (feature, layer) {
        if (feature.properties && feature.properties.kind === "community") {
          layer.bindTooltip(text("span", feature.properties.name), {
            permanent: true,
            direction: "center",
            className: "map-area-label"
          });
        }
      }
    });
    outline.addTo(map);
    outline.bringToBack();
    map.fitBounds(outline.getBounds().extend(markers.getBounds()), {
      padding: [16, 16],
      animate: false
    });
  }

  // Same origin only; without the outline the stations still show.
  var request = new XMLHttpRequest();
  request.open("GET", data.outline);
  request.responseType = "json";
  request.onload = function () {
    if (request.status === 200 && request.response) {
      drawOutline(request.response);
    }
  };
  request.send();
})();
