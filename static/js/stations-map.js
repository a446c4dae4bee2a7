/* The social-work stations map (/stations/map/).
 *
 * Everything comes from this site: Leaflet from static/vendor/leaflet/, the page's settings from
 * its json_script (#stations-data), the markers of the one subdistrict shown from a JSON address
 * of this site (data.markers: the page itself holds no station, so it stays the same size however
 * many stations the city has), and the outline of the subdistrict and its communities from a
 * GeoJSON file in the app's static folder. There is no tile layer: the portal may run on a
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
  markers.addTo(map);
  map.setView([30.925, 121.51], 14); // Jinhai, until the markers or the outline arrive

  function drawMarkers(found) {
    found.stations.forEach(function (station) {
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
    if (found.unplaced) {
      container.parentNode.insertBefore(
        text("p", found.unplaced + " 个社工站还没有坐标,未在图上显示。", "muted"),
        container.nextSibling
      );
    }
    fit();
  }

  var outline = null;

  // The markers and the outline arrive in either order: each fits the map to all there is. Not
  // animated: a zoom animation still running would end on its own target and undo the next fit.
  function fit() {
    var bounds = null;
    if (outline) {
      var drawn = outline.getBounds(); // copied: extending it must not change the outline's
      bounds = L.latLngBounds(drawn.getSouthWest(), drawn.getNorthEast());
    }
    if (markers.getLayers().length) {
      bounds = bounds ? bounds.extend(markers.getBounds()) : markers.getBounds();
    }
    if (bounds) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 16, animate: false });
    }
  }

  function drawOutline(geojson) {
    outline = L.geoJSON(geojson, {
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
    fit();
  }

  function fetchJson(address, then) {
    // Same origin only; either file may fail alone: the other still shows.
    var request = new XMLHttpRequest();
    request.open("GET", address);
    request.responseType = "json";
    request.onload = function () {
      if (request.status === 200 && request.response) {
        then(request.response);
      }
    };
    request.send();
  }

  fetchJson(data.markers, drawMarkers);
  fetchJson(data.outline, drawOutline);
})();
