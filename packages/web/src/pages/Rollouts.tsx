/** Rollouts: the list, the creation wizard and each rollout's page. */
import { Route, Routes } from 'react-router';
import { RolloutList } from '../areas/rollouts/RolloutList.js';
import { RolloutPage } from '../areas/rollouts/RolloutPage.js';
import { RolloutWizard } from '../areas/rollouts/RolloutWizard.js';

export default function Rollouts() {
  return (
    <Routes>
      <Route index element={<RolloutList />} />
      <Route path="new" element={<RolloutWizard />} />
      <Route path=":id" element={<RolloutPage />} />
    </Routes>
  );
}
