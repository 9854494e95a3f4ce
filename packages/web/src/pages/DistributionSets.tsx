/** Distribution sets: the list (/distributionsets) and one set with its release (/distributionsets/:id). */
import { Route, Routes } from 'react-router';
import { PageTitle } from '../components/PageTitle.js';
import { SetList } from '../areas/distributionsets/SetList.js';
import { SetPage } from '../areas/distributionsets/SetPage.js';

export default function DistributionSets() {
  return (
    <Routes>
      <Route
        index
        element={
          <>
            <PageTitle>Distribution sets</PageTitle>
            <SetList />
          </>
        }
      />
      <Route path=":id" element={<SetPage />} />
    </Routes>
  );
}
