// 地域資源マップ: the offices of the list beside it, as markers coloured by kind. The list is
// the page; without this script (or without Leaflet) it is all there is, and enough.
document.addEventListener('DOMContentLoaded', () => {
  const el = document.getElementById('map');
  if (!el || !window.L) return;
  el.classList.add('live');
  const map = L.map(el).setView([+el.dataset.lat, +el.dataset.lng], +el.dataset.zoom);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
  }
  const colours = {
    clinic: '#c0392b', hospital: '#8e44ad', pharmacy: '#1e8449', home_care_support: '#b9540b',
    visiting_nursing: '#2471a3', community_centre: '#117a65', other: '#616a6b',
  };
  const points = [];
  for (const li of document.querySelectorAll('#office-list > li[data-lat]')) {
    const at = [+li.dataset.lat, +li.dataset.lng];
    const marker = L.circleMarker(at, {
      radius: 9, color: '#fff', weight: 2, fillOpacity: 0.9,
      fillColor: colours[li.dataset.kind] || '#333', className: 'office-marker',
    });
    marker.bindPopup(li.querySelector('.card').innerHTML);
    marker.on('click', () => {
      for (const c of document.querySelectorAll('#office-list li.chosen')) c.classList.remove('chosen');
      li.classList.add('chosen');
      li.scrollIntoView({ block: 'nearest' });
    });
    marker.addTo(map);
    points.push(at);
    const show = li.querySelector('.show-on-map');
    show.hidden = false;
    show.addEventListener('click', () => {
      map.setView(at, Math.max(map.getZoom(), 16));
      marker.openPopup();
      el.scrollIntoView({ block: 'nearest' });
    });
  }
  if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 16 });
});
