// 地図設定: click the map or drag the point to set the office's 緯度 and 経度; typing them still
// works (the point follows). Without tiles the map is an empty grid with the point on it.
document.addEventListener('DOMContentLoaded', () => {
  const el = document.getElementById('office-map');
  const lat = document.getElementById('latitude');
  const lng = document.getElementById('longitude');
  if (!el || !lat || !lng || !window.L) return;
  el.hidden = false;
  const shown = document.getElementById('map-coords');
  const has = () => lat.value.trim() !== '' && lng.value.trim() !== '' && !isNaN(+lat.value) && !isNaN(+lng.value);
  const start = has() ? [+lat.value, +lng.value] : [+el.dataset.lat, +el.dataset.lng];
  const map = L.map(el).setView(start, has() ? 16 : +el.dataset.zoom);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
  }
  const editable = el.dataset.editable === '1';
  let marker = null;
  const say = () => { shown.textContent = has() ? `緯度 ${lat.value}°　経度 ${lng.value}°` : '位置は未設定です'; };
  const write = (p) => { lat.value = p.lat.toFixed(6); lng.value = p.lng.toFixed(6); say(); };
  const put = (p) => {
    if (!marker) {
      marker = L.marker(p, { draggable: editable, title: '事業所の位置' }).addTo(map);
      marker.on('dragend', () => write(marker.getLatLng()));
    } else {
      marker.setLatLng(p);
    }
  };
  if (has()) put(start);
  say();
  if (editable) {
    map.on('click', (e) => { put(e.latlng); write(e.latlng); });
  }
  for (const input of [lat, lng]) {
    input.addEventListener('change', () => { if (has()) { put([+lat.value, +lng.value]); map.panTo([+lat.value, +lng.value]); } say(); });
  }
});
