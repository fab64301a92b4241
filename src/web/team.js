// 事前確認: each team row's list of registered people follows the office chosen on that row.
// Without this script the form still works: 「選んだ事業所の利用者を表示」 asks the server.
document.addEventListener('DOMContentLoaded', () => {
  const all = document.getElementById('all-staff');
  if (!all) return;
  for (const b of document.querySelectorAll('.no-script')) b.hidden = true;
  const fill = (office) => {
    const row = office.closest('fieldset');
    const people = row.querySelector('.member-user');
    const keep = people.value;
    while (people.options.length > 1) people.remove(1);
    for (const o of all.content.querySelectorAll('option')) {
      if (o.dataset.office === office.value) people.add(o.cloneNode(true));
    }
    people.value = [...people.options].some((o) => o.value === keep) ? keep : '';
  };
  document.getElementById('new-form').addEventListener('change', (e) => {
    if (e.target.classList.contains('member-office')) fill(e.target);
  });
});
